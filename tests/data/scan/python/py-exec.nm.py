def run(cursor, sql):
    cursor.exec(sql)  # a method named exec, not the builtin
    note = "exec(code) is dangerous"
