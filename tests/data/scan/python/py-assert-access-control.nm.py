def delete_project(user, project):
    assert project is not None
    if not user.is_admin:
        raise PermissionError("only admins may delete")
    project.delete()
