import socket

def serve():
    """Never bind to 0.0.0.0 here."""
    s = socket.socket()
    s.bind(("127.0.0.1", 8080))
