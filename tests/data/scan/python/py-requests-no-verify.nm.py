import requests

def fetch(url):
    return requests.get(url, verify="/etc/ssl/ca.pem", timeout=5)
