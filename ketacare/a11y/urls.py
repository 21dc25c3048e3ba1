from django.urls import path
from django.views.generic import TemplateView

# Pages without patient data, open to everyone like the log-in page.
urlpatterns = [
    path(
        "integrations/",
        TemplateView.as_view(template_name="a11y/integrations.html"),
        name="integrations",
    ),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="a11y/accessibility.html"),
        name="accessibility",
    ),
]
