def delete_project(user, project):
    assert user.is_admin, "only admins may delete"
    project.delete()
