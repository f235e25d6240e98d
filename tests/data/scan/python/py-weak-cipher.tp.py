import hashlib
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.asymmetric import rsa, dsa
from Crypto.Cipher import DES, ARC4, AES



def weak(data, key):
    g = DES.new(key, DES.MODE_CBC)  # expect: py-weak-cipher
    h = ARC4.new(key)  # expect: py-weak-cipher
    i = Cipher(algorithms.ARC4(key), mode=None)  # expect: py-weak-cipher
    j = Cipher(algorithms.AES(key), modes.ECB())  # expect: py-weak-cipher
    k = AES.new(key, AES.MODE_ECB)  # expect: py-weak-cipher
