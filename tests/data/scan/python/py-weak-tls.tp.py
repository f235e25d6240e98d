import ssl
from ssl import PROTOCOL_TLSv1


def contexts(sock):
    a = ssl.SSLContext(ssl.PROTOCOL_SSLv3)  # expect: py-weak-tls
    b = ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_SSLv2)  # expect: py-weak-tls
    c = ssl.SSLContext(PROTOCOL_TLSv1)  # expect: py-weak-tls
    d = ssl.SSLContext(protocol=ssl.PROTOCOL_TLSv1_1)  # expect: py-weak-tls
    e = ssl._create_unverified_context()  # expect: py-weak-tls
    return a, b, c, d, e
