"""NeuPIMs RTL: the PIM bank MAC unit (rtl/neupims/mac.py), checked against sim/neupims/pim_unit.py."""
