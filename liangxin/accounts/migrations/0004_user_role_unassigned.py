"""Accounts without a role: the system administrator creates them, the security administrator
assigns their role and scope (``accounts/roles.py``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_must_change_password_user_password_changed_at"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="user",
            name="accounts_user_role_scope_consistent",
        ),
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(
                choices=[
                    ("county_admin", "县两新党工委/组织部管理员"),
                    ("township_clerk", "乡镇(街道)工作人员"),
                    ("department_clerk", "行业主管部门工作人员"),
                    ("secretary", "党组织书记"),
                    ("leader", "县级领导(只读)"),
                    ("sys_admin", "系统管理员"),
                    ("sec_admin", "安全管理员"),
                    ("audit_admin", "审计管理员"),
                    ("unassigned", "未分配角色"),
                ],
                default="unassigned",
                max_length=32,
                verbose_name="角色",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("department__isnull", True),
                        ("party_organization__isnull", True),
                        ("role__in", ["county_admin", "leader", "sys_admin", "sec_admin", "audit_admin", "unassigned"]),
                        ("township__isnull", True),
                    ),
                    models.Q(
                        ("department__isnull", True),
                        ("party_organization__isnull", True),
                        ("role", "township_clerk"),
                        ("township__isnull", False),
                    ),
                    models.Q(
                        ("department__isnull", False),
                        ("party_organization__isnull", True),
                        ("role", "department_clerk"),
                        ("township__isnull", True),
                    ),
                    models.Q(
                        ("department__isnull", True),
                        ("party_organization__isnull", False),
                        ("role", "secretary"),
                        ("township__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="accounts_user_role_scope_consistent",
            ),
        ),
    ]
