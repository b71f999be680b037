
attune.v1.Assist