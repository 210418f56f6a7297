"""The web application's addresses: every council page sits under /c/<ONS code>/."""

from pathlib import Path

from django.contrib import admin
from django.contrib.auth import views as auth
from django.urls import include, path
from django.views import static

from . import region, region_plan, runs, views

urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.SignIn.as_view(), name="login"),
    path("signout/", auth.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChange.as_view(), name="password_change"),
    path("region/", include(region.urlpatterns + region_plan.urlpatterns)),
    path("c/<str:code>/", views.council, name="council"),
    path("c/<str:code>/upload/", views.upload, name="upload"),
    path("c/<str:code>/upload/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("c/<str:code>/upload/<int:pk>/load/", views.load, name="load"),
    path("c/<str:code>/forecast/", views.forecast, name="forecast"),
    path("c/<str:code>/jobs/<int:pk>/", views.job, name="job"),
    path("c/<str:code>/share/", region.share, name="share"),
    path("c/<str:code>/run/<str:kind>/", runs.run, name="run"),
    path("c/<str:code>/board.<str:kind>", runs.board_file, name="board_file"),
    path("c/<str:code>/report/", views.report, name="report"),
    path("c/<str:code>/report/internal/", views.report_internal, name="report_internal"),
    path("c/<str:code>/report.<str:kind>", views.report_file, name="report_file"),
    path("c/<str:code>/internal/report.<str:kind>", views.report_file_internal, name="report_file_internal"),
    path("admin/", admin.site.urls),
    path("static/web/<path:path>", static.serve, {"document_root": Path(__file__).with_name("static") / "web"}),
]
