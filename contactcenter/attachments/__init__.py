"""Attachments 附件 (issue 21): photos, PDFs, office files and recordings on the apps' objects — work orders, outage
notices, handovers — uploaded from their pages (the camera on a phone) and through the API, listed, downloaded and
deleted (by the uploader within ``ATTACHMENT_DELETE_MINUTES``, or a supervisor), the row kept as the history.

Plumbing: it imports no app. Each app registers its models in ``AppConfig.ready`` (``register``) with its own rules —
which objects a user sees (the app's selector: what it hides answers 404 here too) and who may attach — so a file
is shown to exactly those who may see its object.

- ``registry``: the registered kinds of object;
- ``files``: what is accepted, by content (``filetype``, the zip's ``[Content_Types].xml``), images re-encoded without
  their metadata, file names made safe;
- ``services``: add, delete; ``selectors``: an object's attachments, one attachment for a user;
- ``api`` (the JSON API), ``views`` (the pages' forms), ``contactcenter/templatetags/attachments.py`` (the section
  each page includes).
"""

from .registry import Parent, register

__all__ = ["Parent", "register"]
