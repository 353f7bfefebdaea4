"""Read-only admin views of the published catalogue (editing happens in YAML and is published as a version)."""
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface

from . import models as m

_READ_ONLY = {"can_list", "can_show"}


class DepartmentView(ModelView):
    datamodel = SQLAInterface(m.Department)
    base_permissions = _READ_ONLY
    list_columns = ["code", "name_en", "name_kn", "active"]
    show_columns = ["code", "name_en", "name_kn", "active", "source", "content_hash", "line_departments", "posts"]
    label_columns = {"name_en": "Name (English)", "name_kn": "Name (ಕನ್ನಡ)"}
    search_columns = ["code", "name_en", "name_kn", "active"]
    base_order = ("code", "asc")


class ServiceView(ModelView):
    datamodel = SQLAInterface(m.Service)
    base_permissions = _READ_ONLY
    list_columns = ["department", "line_department", "code", "name_en", "name_kn", "active"]
    show_columns = ["department", "line_department", "code", "name_en", "name_kn", "keywords", "active", "grievance_types"]
    label_columns = DepartmentView.label_columns
    search_columns = ["department", "code", "name_en", "name_kn", "active"]
    base_order = ("code", "asc")


class GrievanceTypeView(ModelView):
    datamodel = SQLAInterface(m.GrievanceType)
    base_permissions = _READ_ONLY
    list_columns = ["service", "code", "name_en", "name_kn", "active"]
    show_columns = ["service", "code", "name_en", "name_kn", "keywords", "categories", "form", "active"]
    label_columns = DepartmentView.label_columns
    search_columns = ["service", "code", "name_en", "name_kn", "keywords", "active"]
    base_order = ("code", "asc")


class PostView(ModelView):
    datamodel = SQLAInterface(m.Post)
    base_permissions = _READ_ONLY
    list_columns = ["department", "code", "name_en", "name_kn", "level", "active"]
    label_columns = DepartmentView.label_columns
    search_columns = ["department", "code", "name_en", "level"]
    base_order = ("code", "asc")


class DistrictView(ModelView):
    datamodel = SQLAInterface(m.District)
    base_permissions = _READ_ONLY
    list_columns = ["code", "name_en", "name_kn"]
    show_columns = ["code", "name_en", "name_kn", "taluks"]
    label_columns = DepartmentView.label_columns
    base_order = ("name_en", "asc")


class RulesetVersionView(ModelView):
    datamodel = SQLAInterface(m.RulesetVersion)
    base_permissions = _READ_ONLY
    list_columns = ["id", "content_hash", "counts", "message", "published_by", "published_at"]
    show_columns = ["id", "content_hash", "counts", "message", "published_by", "published_at"]
    base_order = ("id", "desc")


def register(appbuilder) -> None:
    category = "Catalogue"
    appbuilder.add_view(DepartmentView, "Departments", icon="fa-building", category=category)
    appbuilder.add_view(ServiceView, "Services", icon="fa-list", category=category)
    appbuilder.add_view(GrievanceTypeView, "Grievance types", icon="fa-tags", category=category)
    appbuilder.add_view(PostView, "Posts", icon="fa-id-badge", category=category)
    appbuilder.add_view(DistrictView, "Districts and taluks", icon="fa-map", category=category)
    appbuilder.add_view(RulesetVersionView, "Published versions", icon="fa-history", category=category)
