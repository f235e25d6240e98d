def find_user(cursor, name):
    cursor.execute("SELECT id, email FROM users WHERE name = %s", (name,))
    msg = "Please select an option from the menu: %s" % name
    return msg
