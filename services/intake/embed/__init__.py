"""The embeddable inquiry form: ``/v1/embed.js``, its stylesheet and the hosted ``/v1/form``."""
