# The forms in which SQL text gets values put into it; the finding is on the literal's line.
def queries(cursor, name, table, uid):
    cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)  # expect: py-sql-format
    cursor.execute(
        "DELETE FROM sessions WHERE uid = %d"  # expect: py-sql-format
        % uid
    )
    cursor.execute("SELECT * FROM t WHERE a = '%s'"  # expect: py-sql-format
                   # a comment between the literal and its operator
                   % name)
    cursor.execute("UPDATE t SET a = 1 WHERE b = " + name)  # expect: py-sql-format
    cursor.execute(name + "SELECT 1 FROM t")  # expect: py-sql-format
    cursor.execute(name +  # a comment before the literal
                   "SELECT 2 FROM t")  # expect: py-sql-format
    query = "INSERT INTO log VALUES ('{}')".format(name)  # expect: py-sql-format
    cursor.execute(f"SELECT * FROM {table}")  # expect: py-sql-format
    cursor.execute(F"DELETE FROM {table}")  # expect: py-sql-format
    sql = ("WITH x AS (SELECT 1) SELECT * FROM x WHERE y = "  # expect: py-sql-format
           + name)
    return query, sql
