"""Infrastructure code of this TAP task.

Importing lib first points jsii at the Node runtime shipped as a Python wheel
and makes the AWS provider package import lazily (see taptools/toolchain.py).
"""
# Template-owned: rendered by the TAP cdktf copier template. Change it through the
# template and `copier update`; local edits are merged on update and may conflict.
from taptools import toolchain

toolchain.install()
