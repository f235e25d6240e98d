import hashlib

def cache_key(data):
    a = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return a + hashlib.sha256(data).hexdigest()
