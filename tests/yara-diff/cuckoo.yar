// The cuckoo module reads its report from -x cuckoo=FILE.
import "cuckoo"

rule cuckoo_http
{
  condition:
    cuckoo.network.http_request(/example\.com/)
}

rule cuckoo_mutex
{
  condition:
    cuckoo.sync.mutex(/Global\\malml/)
}
