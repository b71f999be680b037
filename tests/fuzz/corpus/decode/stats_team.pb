
northvol-7