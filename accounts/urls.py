from django.urls import include, path

from . import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.SignIn.as_view(), name="login"),
    path("team/", views.team, name="team"),
    path("team/<int:pk>/", views.member, name="team-member"),
    path("team/<int:pk>/password", views.member_password, name="team-member-password"),
    # Before Django's own, which it replaces: a reset also retires the user's tokens.
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirm.as_view(), name="password_reset_confirm"),
    path("password_change/", views.PasswordChange.as_view(), name="password_change"),
    path("password_reset/", views.PasswordReset.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]
