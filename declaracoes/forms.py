from django import forms
from django.contrib.auth import authenticate

from accounts.forms import CPFField, campo_senha


class AssinaturaForm(forms.Form):
    """ "Assinar com usuário e senha": o RL digita de novo o CPF e a senha.

    A senha é conferida por ``authenticate`` (django-axes): errar conta para o bloqueio do
    CPF, como no login.
    """

    cpf = CPFField(help_text="O seu CPF, de representante legal.")
    senha = campo_senha("Senha", autocomplete="current-password")

    def __init__(self, request, signatario, *args, **kwargs):
        self.request = request
        self.signatario = signatario
        super().__init__(*args, **kwargs)
        self.fields["cpf"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        dados = super().clean()
        if self.errors:
            return dados
        usuario = authenticate(self.request, username=dados["cpf"], password=dados["senha"])
        if usuario is None or usuario.pk != self.signatario.pk:
            raise forms.ValidationError(
                "CPF ou senha não conferem com os do representante legal. Nada foi assinado.",
                code="credenciais",
            )
        return dados
