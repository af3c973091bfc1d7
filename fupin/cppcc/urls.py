from django.urls import path

from fupin.cppcc import views

app_name = "cppcc"
urlpatterns = [
    path("", views.member_list, name="members"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("matters/", views.matter_list, name="matters"),
    path("matters/<int:pk>/close/", views.matter_close, name="matter_close"),
    path("indicators/", views.indicators, name="indicators"),
    path("supervision/", views.supervision_list, name="supervision"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/summary/", views.topic_summary, name="summary"),
]
