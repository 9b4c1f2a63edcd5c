"""`{{ result|import_preview }}`: an import's rows as the preview lists them (imports.preview)."""

from django import template

from organisations.imports import preview

register = template.Library()

register.filter("import_preview", preview)
