def find_user(cursor, name):
    cursor.execute("SELECT id, email FROM users WHERE name = '%s'" % name)
    cursor.execute(f"DELETE FROM sessions WHERE user = '{name}'")
