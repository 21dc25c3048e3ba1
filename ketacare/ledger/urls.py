from django.urls import path

from ketacare.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("setup/", views.setup, name="setup"),
    path("receive/", views.receive, name="receive"),
    path("session-entry/", views.session_entry, name="session_entry"),
    path("stock-entry/", views.stock_entry, name="stock_entry"),
    path("entries/<int:entry_id>/reverse/", views.reverse, name="reverse"),
    path("count/", views.count, name="count"),
    path("transfer/", views.transfer, name="transfer"),
    path("loss-reports/<int:report_id>/", views.loss_notice, name="loss_notice"),
    path("discrepancies/<int:discrepancy_id>/", views.resolve, name="resolve"),
    path("report/", views.report, name="report"),
]
