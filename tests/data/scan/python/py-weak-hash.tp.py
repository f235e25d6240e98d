import hashlib

def password_digest(pw):
    return hashlib.md5(pw.encode()).hexdigest()

def token_digest(t):
    return hashlib.new("sha1", t).hexdigest()
