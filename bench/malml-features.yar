// malml's features (pe's parse plus malml's pass): what the module adds.
import "malml"
rule malml_features { condition: malml.number_of_sections > 0 }
