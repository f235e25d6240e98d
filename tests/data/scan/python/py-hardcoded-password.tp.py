def connect(db):
    admin_password = "letmein"
    return db.login("admin", admin_password)
