from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from fupin.accounts import views
from fupin.accounts.forms import SignInForm

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.account, name="account"),
    path("me/tokens/", views.token_create, name="token_create"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path(
        "me/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url="/accounts/me/"
        ),
        name="password_change",
    ),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_edit, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("exports/", views.export_log, name="export_log"),
    re_path(
        r"^exports/export_log\.(?P<fmt>csv|xlsx)$", views.export_log_download, name="export_log_download"
    ),
]
