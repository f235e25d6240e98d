import random
import string

def new_session():
    reset_token = "".join(random.choice(string.ascii_letters) for _ in range(32))
    return reset_token
