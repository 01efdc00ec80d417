"""Forms of the members page: invite someone, change a member's role."""

from __future__ import annotations

from django import forms

from oauth.models import Role


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)
    username = forms.CharField(
        max_length=150,
        required=False,
        help_text="Leave blank to use the email address.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.SUPERVISOR)

    def clean_username(self) -> str:
        username = str(self.cleaned_data.get("username") or "").strip()
        if username and not all(c.isalnum() or c in "@.+-_" for c in username):
            raise forms.ValidationError("Letters, digits and @ . + - _ only.")
        return username


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
