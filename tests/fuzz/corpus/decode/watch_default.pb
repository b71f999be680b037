
north