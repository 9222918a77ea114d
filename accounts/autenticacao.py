"""Cola com o django-axes: o "username" de cada tentativa é o CPF normalizado."""

from cagec.lib.documentos import normalizar_cpf


def cpf_da_tentativa(request, credentials):
    bruto = (credentials or {}).get("username") or request.POST.get("cpf", "")
    return normalizar_cpf(bruto)[:11]
