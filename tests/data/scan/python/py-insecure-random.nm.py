import random
import secrets

def shuffle_cards(deck):
    pick = random.choice(deck)
    token = secrets.token_hex(16)
    return pick, token
