"""DER for make-hostile.py's Authenticode kinds (Python 3 stdlib only).

signed_data(nested) is a PKCS#7 SignedData as a WIN_CERTIFICATE carries it:
one self-describing certificate (never valid: nothing checks its signature)
and one signer whose issuer and serial name that certificate, so OpenSSL's
PKCS7_get0_signers finds it and YARA's pe goes on to read the signer's
unauthenticated attributes.  `nested` is the DER of the values of the
nested-signature attribute (1.3.6.1.4.1.311.2.4.1), whose values pe 4.2.3
reads as a SEQUENCE whatever their type.
"""
import struct


def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        size = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        size = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + size + body


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def set_of(*parts):
    return tlv(0x31, b"".join(parts))


def oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    body = bytes([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, body)


def integer(value):
    return tlv(0x02, value.to_bytes((value.bit_length() + 8) // 8, "big"))


NULL = b"\x05\x00"
SHA1 = seq(oid("1.3.14.3.2.26"), NULL)
RSA = seq(oid("1.2.840.113549.1.1.1"), NULL)
SHA1_RSA = seq(oid("1.2.840.113549.1.1.5"), NULL)
NESTED_SIGNATURE = "1.3.6.1.4.1.311.2.4.1"


def name(common_name):
    return seq(set_of(seq(oid("2.5.4.3"), tlv(0x0C, common_name))))


def certificate(issuer, serial):
    # A made-up 512-bit modulus: parsed as an RSA key, never used.
    modulus = int.from_bytes(b"\xc3" + b"\x5a" * 62 + b"\x01", "big")
    key = seq(RSA, tlv(0x03, b"\x00" + seq(integer(modulus), integer(65537))))
    validity = seq(tlv(0x17, b"200101000000Z"), tlv(0x17, b"300101000000Z"))
    tbs = seq(tlv(0xA0, integer(2)), integer(serial), SHA1_RSA, issuer,
              validity, issuer, key)
    return seq(tbs, SHA1_RSA, tlv(0x03, b"\x00" + b"\x11" * 64))


def signed_data(nested):
    issuer, serial = name(b"malml hostile suite"), 0x1234
    unauth = tlv(0xA1, seq(oid(NESTED_SIGNATURE), set_of(nested)))
    signer = seq(integer(1), seq(issuer, integer(serial)), SHA1, RSA,
                 tlv(0x04, b"\x22" * 64), unauth)
    body = seq(integer(1), set_of(SHA1), seq(oid("1.2.840.113549.1.7.1")),
               tlv(0xA0, certificate(issuer, serial)), set_of(signer))
    return seq(oid("1.2.840.113549.1.7.2"), tlv(0xA0, body))


def win_certificate(pkcs7):
    """WIN_CERTIFICATE revision 2.0, type PKCS_SIGNED_DATA, 8-byte padded."""
    cert = struct.pack("<IHH", 8 + len(pkcs7), 0x200, 2) + pkcs7
    return cert + b"\0" * (-len(cert) % 8)
