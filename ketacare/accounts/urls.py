from django.contrib.auth import views as auth_views
from django.urls import path

from ketacare.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/<int:user_id>/credentials/new/", views.credential_new, name="credential_new"),
    path("staff/memberships/<int:membership_id>/role/", views.membership_role, name="membership_role"),
    path("staff/memberships/<int:membership_id>/end/", views.membership_end, name="membership_end"),
    path(
        "staff/memberships/<int:membership_id>/password-reset/",
        views.membership_password_reset,
        name="membership_password_reset",
    ),
    path("reset/<str:secret>/", views.password_reset_page, name="password_reset"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path(
        "staff/memberships/<int:membership_id>/reactivate/",
        views.membership_reactivate,
        name="membership_reactivate",
    ),
]
