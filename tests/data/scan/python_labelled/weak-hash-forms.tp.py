import hashlib
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.asymmetric import rsa, dsa
from Crypto.Cipher import DES, ARC4, AES



def weak(data, key):
    a = hashlib.new('md4')  # expect: py-weak-hash
    b = hashlib.new('MD5')  # expect: py-weak-hash
    c = hashlib.new('sha')  # expect: py-weak-hash
    d = hashlib.new(name='md5')  # expect: py-weak-hash
    e = hashes.Hash(hashes.MD5())  # expect: py-weak-hash
    f = hashes.Hash(hashes.SHA1())  # expect: py-weak-hash
