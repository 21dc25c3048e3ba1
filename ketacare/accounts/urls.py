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
    path("staff/<int:user_id>/credentials/new/", views.credential_new, name="credential_new"),
]
