def connect(host, password="Tr0ub4dor&3"):  # expect: py-hardcoded-password
    creds = {"password": "s3cr3t-Value"}  # expect: py-hardcoded-password
    login(host, password="hunter2!x")  # expect: py-hardcoded-password
    return creds
