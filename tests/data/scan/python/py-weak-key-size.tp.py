import hashlib
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.asymmetric import rsa, dsa
from Crypto.Cipher import DES, ARC4, AES



def weak(data, key):
    l = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # expect: py-weak-key-size
    m = dsa.generate_private_key(key_size=512)  # expect: py-weak-key-size
