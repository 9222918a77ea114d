"""Cola com o django-axes: o "username" de cada tentativa é o CPF, mascarado e com chave.

O bloqueio só precisa distinguir um CPF de outro: o axes guarda ``chave_do_cpf`` (o CPF
mascarado, para quem lê o admin, e um HMAC com a SECRET_KEY, que separa os CPFs sem
permitir recuperá-los) e nada do formulário enviado (sem GET/POST da tentativa).
"""

from django.contrib.auth import authenticate
from django.utils.crypto import salted_hmac

from cagec.lib.documentos import mascarar_cpf, normalizar_cpf

_SEPARADOR = " #"


def chave_do_cpf(valor) -> str:
    """``***.456.789-** #<hmac>``: como o axes conta as falhas de um CPF ("" sem CPF)."""
    cpf = normalizar_cpf(valor)[:11]
    if not cpf:
        return ""
    marca = salted_hmac("accounts.axes.cpf", cpf, algorithm="sha256").hexdigest()[:24]
    return f"{mascarar_cpf(cpf)}{_SEPARADOR}{marca}"


def cpf_mascarado(username) -> str:
    """O CPF mascarado de um "username" do axes: a chave, ou o CPF do usuário que entrou."""
    mascara, separador, _ = (username or "").partition(_SEPARADOR)
    return mascara if separador else mascarar_cpf(username or "")


def cpf_da_tentativa(request, credentials):
    # O axes entrega a credencial com o nome do USERNAME_FIELD ("cpf"); "username" cobre
    # quem chama authenticate(username=...); o POST, as tentativas sem credencial.
    credenciais = credentials or {}
    bruto = credenciais.get("cpf") or credenciais.get("username") or request.POST.get("cpf", "")
    return chave_do_cpf(bruto)


def descricao_da_tentativa(username, ip_address, user_agent, path_info, request):
    """Como o axes descreve a tentativa nos logs: CPF sempre mascarado (LGPD)."""
    return f"{{cpf: {cpf_mascarado(username)}, path: {path_info}}}"


def sem_dados_do_formulario(sender, instance, **kwargs):
    """Antes de gravar uma tentativa: o bloqueio não usa o GET/POST, então não o guardamos.

    O axes grava o formulário inteiro (CPF completo e o que mais vier) a cada falha, e não
    tem opção para desligar isso; ligado em ``AccountsConfig.ready`` ao ``pre_save``.
    """
    instance.get_data = ""
    instance.post_data = ""


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
