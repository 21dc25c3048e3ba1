from django.urls import include, path

from ketacare.accounts.views import home
from ketacare.api import api

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("ketacare.accounts.urls")),
    path("patients/", include("ketacare.patients.urls")),
    path("audit/", include("ketacare.audit.urls")),
    path("outcomes/", include("ketacare.outcomes.urls")),
    path("dosing/", include("ketacare.dosing.urls")),
    path("plans/", include("ketacare.plans.urls")),
    path("ledger/", include("ketacare.ledger.urls")),
    path("research/", include("ketacare.interop.urls")),
    path("privacy/", include("ketacare.interop.privacy_urls")),
    path("api/v1/", api.urls),
    path("", include("ketacare.a11y.urls")),
]
