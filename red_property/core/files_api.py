"""Uploaded files through the API: ``GET /api/v1/files/<id>``."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from red_property.core.files import StoredFile, send_stored_file
from red_property.extensions import db

blp = Blueprint("Files", __name__, url_prefix="/api/v1/files", description="Uploaded evidence and documents")


@blp.route("/<int:file_id>")
class FileResource(MethodView):
    @blp.response(200, description="The file's bytes, with its content type")
    @blp.alt_response(404, description="No such file, or not this tenant's")
    def get(self, file_id):
        """Download one of the tenant's uploaded files."""
        row = db.session.get(StoredFile, file_id)
        if row is None:
            abort(404, message="文件不存在 (file not found)")
        return send_stored_file(row, as_attachment=True)
