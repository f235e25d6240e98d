import hashlib
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.asymmetric import rsa
from Crypto.Cipher import AES


def strong(data, key, iv):
    a = hashlib.new('sha256')
    b = hashlib.new(name='sha512')
    c = hashlib.new('md5', usedforsecurity=False)
    d = hashes.Hash(hashes.SHA256())
    e = Cipher(algorithms.AES(key), modes.GCM(iv))
    f = AES.new(key, AES.MODE_GCM)
    g = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    return a, b, c, d, e, f, g
