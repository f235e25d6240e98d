def connect(host, password=None, password_prompt="Password: "):
    creds = {"password": password}
    login(host, password=password)
    return creds
