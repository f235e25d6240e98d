import ssl


def contexts():
    a = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    b = ssl.create_default_context()
    c = ssl.SSLContext(ssl.PROTOCOL_TLSv1_2)
    return a, b, c
