import socket

def serve():
    """Never bind to 0.0.0.0 here."""
    s = socket.socket()
    s.bind(("127.0.0.1", 8080))


def is_unspecified(host):
    # Comparing with or parsing the address only mentions it; nothing listens.
    return host in ("0.0.0.0", "::") or ipaddress.IPv4Address("0.0.0.0") == host
