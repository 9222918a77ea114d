"""Cola com o django-axes: o "username" de cada tentativa é o CPF normalizado."""

from cagec.lib.documentos import mascarar_cpf, normalizar_cpf


def cpf_da_tentativa(request, credentials):
    # O axes entrega a credencial com o nome do USERNAME_FIELD ("cpf"); "username" cobre
    # quem chama authenticate(username=...); o POST, as tentativas sem credencial.
    credenciais = credentials or {}
    bruto = credenciais.get("cpf") or credenciais.get("username") or request.POST.get("cpf", "")
    return normalizar_cpf(bruto)[:11]


def descricao_da_tentativa(username, ip_address, user_agent, path_info, request):
    """Como o axes descreve a tentativa nos logs: CPF sempre mascarado (LGPD)."""
    return f"{{cpf: {mascarar_cpf(username)}, path: {path_info}}}"
