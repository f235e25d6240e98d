import os

def connect(db, password_prompt="Password: "):
    password = os.environ["DB_PASSWORD"]
    password_field = "password"
    return db.login("admin", password)
