import random
import secrets

def shuffle_cards(deck):
    pick = random.choice(deck)
    token = secrets.token_hex(16)
    return pick, token


def jumble(items):
    # `key` of sort() is an ordering function, not a secret key.
    items.sort(key=lambda item: random.random())
    return sorted(items, key=lambda item: random.randint(0, 9))
