def check_password(user, password):
    if not user:
        return False
    if password == user.get("password"):
        return True
    return False


def lockout(attempts, limit=3):
    if attempts >= limit:
        return "locked"
    return "open"
