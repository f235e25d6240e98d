from cryptography.hazmat.primitives.asymmetric import rsa, dsa, ec


def keys(bits):
    a = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    b = dsa.generate_private_key(key_size=3072)
    c = ec.generate_private_key(ec.SECP384R1())
    d = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return a, b, c, d
