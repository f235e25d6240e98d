# SQL text with nothing put into it: parameters passed apart, documentation tables.
TOPICS = {
    "select": "SELECT statements read rows from a table; see the tutorial.\n",
    "delete": """DELETE FROM removes rows.
It takes a WHERE clause.""",
    "update": ("UPDATE t SET ..."
               "sets columns"),
}


def queries(cursor, name):
    cursor.execute("SELECT * FROM users WHERE name = %s", (name,))
    cursor.execute("DELETE FROM sessions WHERE name = ?", [name])
    cursor.executemany("INSERT INTO t VALUES (?, ?)", [(1, name)])
    return ["SELECT 1", "UPDATE t SET a = 2"]
