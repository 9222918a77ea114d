"""Cola com o django-axes: o "username" de cada tentativa é o CPF normalizado."""

from django.contrib.auth import authenticate

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


def conferir_senha(request, cpf, senha, usuario):
    """A senha digitada de novo (Minha conta, assinatura) é a de ``usuario``?

    Confere por ``authenticate`` — o django-axes conta o erro como falha de login do CPF e,
    no limite, bloqueia o CPF como no login (``request.axes_locked_out``; a resposta vira a
    página de bloqueio). Bloqueado, nem a senha certa confere.
    """
    autenticado = authenticate(request, username=cpf, password=senha)
    return autenticado is not None and autenticado.pk == usuario.pk


def cpf_bloqueado(request):
    """O ``authenticate`` deste request esbarrou no bloqueio por tentativas do CPF?"""
    return bool(getattr(request, "axes_locked_out", False))
