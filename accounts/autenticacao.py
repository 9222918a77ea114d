"""Cola com o django-axes: o "username" de cada tentativa é o CPF normalizado."""

from cagec.lib.documentos import mascarar_cpf, normalizar_cpf


def cpf_da_tentativa(request, credentials):
    bruto = (credentials or {}).get("username") or request.POST.get("cpf", "")
    return normalizar_cpf(bruto)[:11]


def descricao_da_tentativa(username, ip_address, user_agent, path_info, request):
    """Como o axes descreve a tentativa nos logs: CPF sempre mascarado (LGPD)."""
    return f"{{cpf: {mascarar_cpf(username)}, path: {path_info}}}"
